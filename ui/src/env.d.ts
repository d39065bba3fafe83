/** Build-time constants and asset imports that Vite resolves. */
declare const __OPENCLAW_VERSION__: string;
declare module "*.css";
