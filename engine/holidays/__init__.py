"""The holiday calendar behind Chinese working days.

A year's schedule comes, first found first: from the days the Department entered (`holiday_day`),
from the `chinesecalendar` package, or, for a year neither knows yet, from the statutory holidays
computed by the State Council's rules (`statutory`). Dates counted in working days remember how they
were counted (`counts`), so a change of a year's schedule can count them again (`recount`).
"""
