"""The web platform: app factory, request dependencies, rendering and error pages."""
