/**
 * The training recipes are private to a gradloc checkout (tools/zoo, package @gradloc/zoo).
 * `gradloc train` imports them when it runs, so the published CLI does not depend on them and
 * an installed one says in one line why it cannot train.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { RecipeModule } from '@gradloc/models';

export const RECIPES_PACKAGE = '@gradloc/zoo';

const isModuleNotFound = (e: unknown): boolean => (e as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';

/** The recipes module (`specifier` is for tests); FILE_NOT_FOUND when it is not there. */
export async function loadRecipes(specifier: string = RECIPES_PACKAGE): Promise<RecipeModule> {
  try {
    return (await import(specifier)) as RecipeModule;
  } catch (e) {
    if (!isModuleNotFound(e)) throw e;
    if (String((e as Error).message).includes(`'${specifier}'`)) {
      throw new GradlocError('FILE_NOT_FOUND', `training recipes come with a gradloc checkout (tools/zoo); this gradloc has no ${specifier}`, { cause: e });
    }
    // the package is there but a file of it is not: an unbuilt checkout
    throw new GradlocError('FILE_NOT_FOUND', `the training recipes (${specifier}) are not built: run npx tsc -b in the gradloc checkout (${(e as Error).message})`, { cause: e });
  }
}
