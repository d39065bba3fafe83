/** launchd property list: rendered from a spec and parsed back. Pure. @module */
import { join } from "node:path";
import { programArguments, type ServiceSpec } from "./spec.js";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function s(text: string): string {
  return `<string>${escapeXml(text)}</string>`;
}

export function renderLaunchdPlist(spec: ServiceSpec, label: string): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${s(label)}`,
    "  <key>Comment</key>",
    `  ${s(`OpenClaw Gateway (profile: ${spec.profile}, v${spec.version})`)}`,
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <dict>",
    // Restart after a crash, not after a clean exit (0) or a configuration error (78).
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>5</integer>",
    "  <key>Umask</key>",
    "  <integer>63</integer>",
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...programArguments(spec).map((arg) => `    ${s(arg)}`),
    "  </array>",
    "  <key>WorkingDirectory</key>",
    `  ${s(spec.workingDirectory)}`,
    "  <key>StandardOutPath</key>",
    `  ${s(join(spec.logsDir, "gateway.log"))}`,
    "  <key>StandardErrorPath</key>",
    `  ${s(join(spec.logsDir, "gateway.err.log"))}`,
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...Object.entries(spec.environment).flatMap(([k, v]) => [`    <key>${escapeXml(k)}</key>`, `    ${s(v)}`]),
    "  </dict>",
    "</dict>",
    "</plist>",
    "",
  ];
  return lines.join("\n");
}

/** Reads back the program arguments and environment of a plist we wrote. */
export function parseLaunchdPlist(text: string): { execStart: string[]; environment: Record<string, string> } {
  const args = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1] ?? "";
  const execStart = [...args.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => unescapeXml(m[1]!));
  const envBlock = /<key>EnvironmentVariables<\/key>\s*<dict>([\s\S]*?)<\/dict>/.exec(text)?.[1] ?? "";
  const environment: Record<string, string> = {};
  for (const m of envBlock.matchAll(/<key>([\s\S]*?)<\/key>\s*<string>([\s\S]*?)<\/string>/g))
    environment[unescapeXml(m[1]!)] = unescapeXml(m[2]!);
  return { execStart, environment };
}
