// Starts Swagger UI on /api/v1/docs (a file: the CSP allows no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schema,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // the validator badge would ask validator.swagger.io: nothing leaves
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});
