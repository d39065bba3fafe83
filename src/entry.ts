/**
 * Process entry of `openclaw`. Answers `--version` and `--help` from data alone; every other command
 * loads the command runner, which in turn loads only the command that runs.
 * @module
 */
import { renderHelp } from "./cli/catalog.js";
import { VERSION } from "./version.js";

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;

if (only === "--version" || only === "-V" || only === "-v") {
  process.stdout.write(`${VERSION}\n`);
} else if (args.length === 0 || only === "--help" || only === "-h" || only === "help") {
  process.stdout.write(renderHelp(VERSION));
} else {
  const { main } = await import("./cli/run.js");
  process.exitCode = await main(args);
}
