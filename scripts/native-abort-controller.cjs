// Bundling stand-in for the `abort-controller` polyfill that grammY's Node build imports: Node 20 has
// AbortController natively, and node-fetch recognises a signal by its class name, which a bundled copy of
// the polyfill loses when esbuild renames it (AbortSignal2) beside the global one.
module.exports = { AbortController: globalThis.AbortController, AbortSignal: globalThis.AbortSignal };
module.exports.default = globalThis.AbortController;
