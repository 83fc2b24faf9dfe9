"""Where the tests' real data lives: all of it inside the repository, so a clone alone runs the suite.

``tests/data/`` holds what only the tests read (ballot files, participatory budgeting votes, a county's
parcels), each with its source note; the index series the product ships are read from the leases app's own ``data/``.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = PROJECT_ROOT / "tests" / "data"
BALLOTS = TEST_DATA / "ballots"
PB = TEST_DATA / "pb"
PARCELS_B = TEST_DATA / "parcels_B.geojson"
CPI_FILE = PROJECT_ROOT / "leases" / "data" / "cpi_u.csv"
AMI_FILE = PROJECT_ROOT / "leases" / "data" / "hud_ami.csv"
