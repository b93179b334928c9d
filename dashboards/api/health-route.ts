import { Router } from 'express';

/** Liveness answers while the process serves; readiness once every component has started. */
export function healthRoute(isReady: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (isReady()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'starting' });
  });
  return router;
}
