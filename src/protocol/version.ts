// The wire contract's version. Bump it whenever a frame type, a frame layout or a control schema changes
// in a way an older peer would misread. Peers with different numbers refuse each other in the hello.
export const PROTOCOL_VERSION = 1;
