// Starts ReDoc on the API's schema (the page names it in a data attribute).
const element = document.getElementById("redoc-ui");
Redoc.init(element.dataset.openapiUrl, { hideDownloadButton: false }, element);
