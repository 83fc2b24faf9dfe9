"""The board: seat classes, terms, vacancies and the roster rules."""
