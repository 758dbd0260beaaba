"""Outgoing webhooks: events signed per Standard Webhooks and delivered from the outbox."""
