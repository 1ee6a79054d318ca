// OpenAPI generated from the same zod schemas the routes validate with, served at /openapi.json and
// as Swagger UI at /docs.
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { OpenAPIRegistry, z };

export interface OpenApiInfo {
  title: string;
  version?: string;
  description?: string;
}

export function buildOpenApiDocument(registry: OpenAPIRegistry, info: OpenApiInfo) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { version: '1.0.0', ...info },
  });
}

/** Mounts GET /openapi.json and the Swagger UI at /docs. */
export function serveOpenApi(app: Express, registry: OpenAPIRegistry, info: OpenApiInfo): void {
  let doc: ReturnType<typeof buildOpenApiDocument> | undefined;
  const document = () => (doc ??= buildOpenApiDocument(registry, info));
  app.get('/openapi.json', (_req, res) => {
    res.json(document());
  });
  app.use('/docs', swaggerUi.serveFiles(undefined, { swaggerUrl: '/openapi.json' }), swaggerUi.setup(undefined, { swaggerUrl: '/openapi.json' }));
}
