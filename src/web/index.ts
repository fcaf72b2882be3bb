// The web domain's public surface: one listener for every page Hearth serves.
export { createWebApp, startWebListener, type PageKit, type WebListener, type WebPages } from './server.ts';
export { CSRF_FIELD } from './csrf.ts';
