/**
 * Ed25519 and SHA-256 in pure JS, for pages that are not a secure context (plain HTTP on a LAN or a
 * tailnet address), where `crypto.subtle` is missing. Loaded only there: its first key operation costs
 * ~25 ms of table building that WebCrypto does not need.
 * @module
 */
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";

ed.hashes.sha512 = sha512;

export const randomSecretKey = (): Uint8Array => ed.utils.randomSecretKey();
export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => ed.getPublicKey(secretKey);
export const sign = (message: Uint8Array, secretKey: Uint8Array): Uint8Array => ed.sign(message, secretKey);
export const digest = (bytes: Uint8Array): Uint8Array => sha256(bytes);
