import 'reflect-metadata';

/** A class: a module, a provider or a controller. */
export type ClassRef = abstract new (...args: never[]) => unknown;

/** What a Nest module graph declares, read from its decorators without instantiating anything. */
export interface ModuleGraph {
  /** Every module class reached through `imports` (static and dynamic), the root included. */
  modules: ClassRef[];
  /** Every provider as declared: a class, or a `{ provide, useClass | useValue | useFactory }` object. */
  providers: unknown[];
  /** Every controller class. */
  controllers: ClassRef[];
}

/** What a DynamicModule adds to its class's `@Module()` metadata. */
interface Declared {
  imports?: unknown[];
  providers?: unknown[];
  controllers?: ClassRef[];
}

type ModuleRef = ClassRef | (Declared & { module: ClassRef });

/**
 * Walks a module (a class or a `register()`'s DynamicModule) and everything it imports, reading
 * the `@Module()` metadata: for tests that assert what a process boots (e.g. that the worker
 * boots no resolver and no HTTP guard). Nothing is constructed, so no database is needed.
 */
export function moduleGraph(root: unknown): ModuleGraph {
  const graph: ModuleGraph = { modules: [], providers: [], controllers: [] };
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    // forwardRef(() => Module)
    if (typeof node === 'object' && 'forwardRef' in node) {
      return visit((node as { forwardRef: () => unknown }).forwardRef());
    }
    const ref = node as ModuleRef;
    const cls = typeof ref === 'function' ? ref : ref.module;
    const dynamic: Declared = typeof ref === 'function' ? {} : ref;
    if (!graph.modules.includes(cls)) graph.modules.push(cls);
    const meta = (key: string) => (Reflect.getMetadata(key, cls) as unknown[] | undefined) ?? [];
    graph.providers.push(...meta('providers'), ...(dynamic.providers ?? []));
    graph.controllers.push(...(meta('controllers') as ClassRef[]), ...(dynamic.controllers ?? []));
    for (const imported of [...meta('imports'), ...(dynamic.imports ?? [])]) visit(imported);
  };
  visit(root);
  return graph;
}

/** The class behind a provider declaration (`useClass`, or the class itself), if any. */
export function providerClass(provider: unknown): ClassRef | undefined {
  if (typeof provider === 'function') return provider as ClassRef;
  const p = provider as { provide?: unknown; useClass?: unknown };
  if (typeof p?.useClass === 'function') return p.useClass as ClassRef;
  return typeof p?.provide === 'function' ? (p.provide as ClassRef) : undefined;
}
