#!/usr/bin/env node
// diffopt demo / command line. Runs on built-in data with no arguments:
//   node examples/cli.mjs            the sorting & ranking demo
//   node examples/cli.mjs rank       the same, explicitly
//   node examples/cli.mjs tune       Lasso tuning by hypergradients (tune --help)
//   node examples/cli.mjs --help     the list of commands
import { init } from '../dist/index.js';
import { rankDemo } from './demos/rank.mjs';
import { pathsDemo } from './demos/paths.mjs';
import { classifyDemo } from './demos/classify.mjs';
import { tuneDemo } from './demos/tune.mjs';

const COMMANDS = {
  rank: { run: rankDemo, help: 'soft ranks across strengths, and a linear model trained with the Spearman loss' },
  paths: { run: pathsDemo, help: 'learn shortest paths on generated grid maps with the perturbed Fenchel-Young loss' },
  classify: { run: classifyDemo, help: 'nearest-centroid time-series classification (Euclidean, DTW, soft-DTW, divergences); UCR files or built-in Cylinder-Bell-Funnel' },
  tune: { run: tuneDemo, help: 'tune a Lasso / elastic net by hypergradient descent on a CSV (or built-in diabetes data) vs a grid search' },
};

const [command = 'rank', ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') {
  console.log('usage: node examples/cli.mjs [command] [options]\n\ncommands:');
  for (const [name, c] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(10)} ${c.help}`);
  process.exit(0);
}
const entry = COMMANDS[command];
if (!entry) {
  console.error(`unknown command '${command}'; try: ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}
await init();
await entry.run(rest);
