"""The expert library (专家库) and panels drawn for a whole call.

`library` keeps the experts (admin page, API, Excel import); `pool` reads what a draw needs from the
database; `conflicts` finds who must stand aside (回避) under the administrator's `rules` table;
`matcher` solves the assignment as a minimum-cost flow; `draw` explains it; `proposals` stores what the
officer saw, swaps experts and confirms through the runtime.
"""
