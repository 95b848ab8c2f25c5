// The public surface of the wire contract. Pure and browser-safe: no sockets, fs, timers or Node built-ins.
export * from './version.js';
export * from './frame-types.js';
export * from './frame.js';
export * from './errors.js';
export * from './control.js';
export * from './messages.js';
export * from './tasks.js';
