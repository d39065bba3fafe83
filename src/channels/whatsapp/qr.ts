/** QR codes for linking WhatsApp: a PNG data URL for a page, block characters for a terminal. @module */

/** The `qrcode` library, loaded only while linking (a CommonJS module: bundled, it arrives on `default`). */
async function qrcode() {
  const loaded = await import("qrcode");
  return (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
}

/** Small enough for upstream's 16 KB bound on `qrDataUrl`. */
export async function qrDataUrl(text: string): Promise<string> {
  return (await qrcode()).toDataURL(text, { errorCorrectionLevel: "L", margin: 2, scale: 6 });
}

export async function qrTerminal(text: string): Promise<string> {
  return (await qrcode()).toString(text, { type: "terminal", small: true });
}
