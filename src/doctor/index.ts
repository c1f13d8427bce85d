// `ar-supervise doctor`: everything a night needs, checked at once, in a fixed order of lines.
import path from 'node:path';
import { defaultConfig, type Config } from '../config-defaults.js';
import { CONFIG_FILE } from '../paths.js';
import { fail, pass, type Check } from './check.js';
import { checkAgent } from './agent.js';
import { profileNamed } from '../agents/index.js';
import { checkExecutor } from './executor.js';
import { checkDisk, checkGit, checkNode, checkTmux } from './machine.js';
import type { Probes } from './probes.js';
import { checkData, checkFiles, checkRepo, checkTraining, locateRepo } from './repo.js';

export interface DoctorDeps {
  probes: Probes;
  nodeVersion: string;
  /** The repo's config (autoresearch.yaml or the defaults); throws a UsageError for a broken file. */
  loadConfig: (top: string) => Config;
}

export async function runDoctor(cwd: string, d: DoctorDeps): Promise<Check[]> {
  const p = d.probes;
  // Independent probes start together; `--version` of an agent alone can take seconds.
  const gitP = checkGit(p, cwd);
  const tmuxP = checkTmux(p, cwd);
  let config: Config | null = null;
  let configCheck: Check | null = null;
  const { top, check: noRepo } = await locateRepo(p, cwd);
  if (top) {
    try {
      config = d.loadConfig(top);
      configCheck = pass('config', p.exists(path.join(top, CONFIG_FILE)) ? `${CONFIG_FILE} read` : `no ${CONFIG_FILE}: the defaults (the karpathy/autoresearch layout)`);
    } catch (e) {
      configCheck = fail('config', (e as Error).message.replace(/\.$/, ''), `fix ${CONFIG_FILE} (every key left out keeps its default)`);
    }
  }
  // With the config known, uncommitted edits to editable files mid-night are only a warning.
  const repoP = top ? checkRepo(p, top, config?.editable ?? null) : Promise.resolve(noRepo);
  const used = config ?? defaultConfig();
  const agentP = checkAgent(p, top ?? cwd, used.agent.command ?? profileNamed(used.agent.profile).command);
  const trainingP = top && config ? checkTraining(p, top, config) : Promise.resolve([]);
  const dataP = top && config ? checkData(p, top, config) : Promise.resolve(null);
  const executorP = checkExecutor(p, top ?? cwd, used);

  const checks: Check[] = [checkNode(d.nodeVersion), await gitP, await tmuxP, checkDisk(p, top ?? cwd)];
  const repo = await repoP;
  if (repo) checks.push(repo);
  if (configCheck) checks.push(configCheck);
  checks.push(...(await trainingP));
  if (top && config) checks.push(checkFiles(p, top, config));
  const data = await dataP;
  if (data) checks.push(data);
  checks.push(...(await agentP), ...(await executorP));
  return checks;
}
