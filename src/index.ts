// keystate: the public client. Later parts of the library add the KeyState
// client, its stores and formats here.
export { KeyStateError, isKeyStateError } from "./errors.js";
export type { KeyStateErrorCode } from "./errors.js";
