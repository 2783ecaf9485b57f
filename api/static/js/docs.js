/** The API reference at /docs: Swagger UI from the package's own copy, reading /openapi.json. */
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null, // the default asks validator.swagger.io about our schema
});
