/**
 * Process entry of `openclaw`, built as CommonJS because Node starts a CommonJS file faster than an
 * ES module. Answers `--version` and `--help` from data alone; every other command loads the command
 * runner (ESM), which in turn loads only the command that runs.
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
  import("./cli/run.js")
    .then(({ main }) => main(args))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `openclaw: could not start: ${(error as Error).message}\nReinstall the package: npm install -g openclaw\n`,
      );
      process.exitCode = 1;
    });
}
