// The software version, injected by the build (scripts/build.mjs); 'dev' when run from source.
declare const __CW_VERSION__: string | undefined;
export const VERSION: string = typeof __CW_VERSION__ === 'string' ? __CW_VERSION__ : 'dev';
