"""The Telegram side: the customer's survey, the staff commands, the owner's reports and
alerts, the process plumbing, and `bot.app`, which wires everything (docs/architecture.md)."""
