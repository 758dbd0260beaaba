"""Who may run staff commands. Owners are admins too."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Roles:
    owner_ids: frozenset[int]
    admin_ids: frozenset[int]

    @classmethod
    def from_ids(cls, owners: list[int], admins: list[int]) -> Roles:
        return cls(frozenset(owners), frozenset(admins) | frozenset(owners))

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    def is_owner(self, user_id: int) -> bool:
        return user_id in self.owner_ids
