"""Benchmarks; their figures and commands are in docs/performance.md.

Each benchmark is a process of its own and runs the bot as `python -m bot` does: aiogram's
types are left to build on first use before anything imports aiogram (this package is
imported before any benchmark module, `python -m bench.answers` included).
"""

from bot.process.lazy_aiogram_types import defer_aiogram_type_builds

defer_aiogram_type_builds()
