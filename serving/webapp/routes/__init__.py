"""The web app's routers, one module per page (see :func:`serving.webapp.install`)."""
