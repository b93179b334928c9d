import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { Router, type Response } from 'express';
import { transform } from 'esbuild';

const UI_DIR = resolve(import.meta.dirname, '../ui');
const UPLOT_DIR = resolve(import.meta.dirname, '../../node_modules/uplot/dist');

/** Paths a user can open or share; each answers the same shell, which routes in the browser. */
const PAGE_PATHS = [/^\/$/, /^\/nodes\/[^/]+$/, /^\/logs$/, /^\/traces$/, /^\/traces\/[0-9a-fA-F]{1,64}$/, /^\/alerts$/, /^\/silences$/, /^\/rules$/, /^\/sql$/];
/** Module names under /ui/: lower-case words and folders, nothing that can climb out. */
const MODULE_PATH = /^\/ui\/((?:[a-z0-9-]+\/)*[a-z0-9-]+)\.ts$/;

interface Transpiled {
  mtimeMs: number;
  code: string;
}

/**
 * The web UI: a static shell, the browser modules (TypeScript transpiled by esbuild on first
 * request and cached until the file changes, so there is no build step) and uPlot from
 * node_modules (no CDN). None of these carry data: every figure the UI shows comes from the API
 * with the caller's token, so the shell is served without one and the page asks for a token
 * when the API answers 401.
 */
export function uiRoute(): Router {
  const router = Router();
  const cache = new Map<string, Transpiled>();

  const sendShell = async (res: Response) => {
    res.type('html').set('Cache-Control', 'no-cache').send(await readFile(resolve(UI_DIR, 'index.html'), 'utf8'));
  };

  router.get(/.*/, async (req, res, next) => {
    try {
      if (PAGE_PATHS.some((p) => p.test(req.path))) return await sendShell(res);
      if (req.path === '/ui/style.css') {
        return void res.type('css').set('Cache-Control', 'no-cache').send(await readFile(resolve(UI_DIR, 'style.css'), 'utf8'));
      }
      if (req.path === '/vendor/uplot.esm.js' || req.path === '/vendor/uplot.min.css') {
        const file = req.path === '/vendor/uplot.esm.js' ? 'uPlot.esm.js' : 'uPlot.min.css';
        return void res.type(file.endsWith('.js') ? 'js' : 'css').set('Cache-Control', 'max-age=3600').send(await readFile(resolve(UPLOT_DIR, file), 'utf8'));
      }
      const match = MODULE_PATH.exec(req.path);
      if (!match) return next();
      const file = resolve(UI_DIR, `${match[1]}.ts`);
      if (!file.startsWith(UI_DIR + sep)) return next();
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) return next();
      let entry = cache.get(file);
      if (!entry || entry.mtimeMs !== info.mtimeMs) {
        const source = await readFile(file, 'utf8');
        const out = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: `${match[1]}.ts` });
        entry = { mtimeMs: info.mtimeMs, code: out.code };
        cache.set(file, entry);
      }
      res.type('js').set('Cache-Control', 'no-cache').send(entry.code);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
