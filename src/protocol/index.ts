/** The protocol: frames, errors, versions, methods and events. Pure: no Node.js imports. @module */
export * from "./connect.js";
export * from "./errors.js";
export * from "./frames.js";
export * from "./methods.js";
export * from "./version.js";
export * from "./device.js";
