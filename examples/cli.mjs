#!/usr/bin/env node
// diffopt demo / command line. Runs on built-in data with no arguments:
//   node examples/cli.mjs            every demo below, one after the other
//   node examples/cli.mjs rank       soft ranks and a Spearman-trained model
//   node examples/cli.mjs classify   time-series classification (classify --help)
//   node examples/cli.mjs paths      shortest paths with the perturbed FY loss
//   node examples/cli.mjs tune       Lasso tuning by hypergradients (tune --help)
//   node examples/cli.mjs multilabel generalized FY loss with a pairwise energy
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
  // The multilabel example is also a standalone script; importing it runs it.
  multilabel: { run: () => import('./multilabel-gfy.mjs'), help: 'multilabel classification: generalized Fenchel-Young loss with a pairwise energy vs independent logistic losses' },
};

/** Every demo on its built-in data, one after the other. */
async function all() {
  for (const [name, c] of Object.entries(COMMANDS)) {
    console.log(`\n${'═'.repeat(8)} ${name}: ${c.help}\n`);
    await c.run([]);
  }
}

const [command = 'all', ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') {
  console.log('usage: node examples/cli.mjs [command] [options]\n\ncommands:');
  console.log(`  ${'all'.padEnd(10)} every command below on its built-in data (the default)`);
  for (const [name, c] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(10)} ${c.help}`);
  process.exit(0);
}
const entry = command === 'all' ? { run: all } : COMMANDS[command];
if (!entry) {
  console.error(`unknown command '${command}'; try: all, ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}
await init();
await entry.run(rest);
