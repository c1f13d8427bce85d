// `{{name}}` placeholders, filled from a map; a missing value is a bug, so it throws.
import { readFileSync } from 'node:fs';

export function renderTemplate(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`template placeholder {{${name}}} has no value`);
    return String(vars[name]);
  });
}

/** Placeholder names used in a template. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!))];
}

export function readTemplate(file: string): string {
  return readFileSync(file, 'utf8');
}
