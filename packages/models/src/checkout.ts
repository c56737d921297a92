/**
 * Is this code running from a gradloc checkout? Then the repository's models/ is the default
 * folder. The test is on the module's own file (its real path: npm workspaces link packages
 * into node_modules, and Node resolves the link): walking up from it must reach the root
 * package.json named `gradloc` with a models/ folder beside it, without passing through a
 * node_modules folder. An npm-installed copy always sits in a node_modules folder, so it never
 * takes the models of whatever project it was installed into.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const ROOT_PACKAGE = 'gradloc';

function isCheckoutRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === ROOT_PACKAGE;
  } catch {
    return false; // an unreadable package.json is not a checkout's root
  }
}

/** The checkout's models/ folder when `file` lies inside a gradloc checkout (not in a node_modules), else undefined. */
export function checkoutModelsDir(file: string): string | undefined {
  let dir = dirname(existsSync(file) ? realpathSync(file) : file);
  for (;;) {
    if (basename(dir) === 'node_modules') return undefined;
    if (isCheckoutRoot(dir)) {
      const models = join(dir, 'models');
      return existsSync(models) && statSync(models).isDirectory() ? models : undefined;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
