"""Log lines stamped in UTC with the offset printed (2026-03-01T04:30:00.123+00:00), whatever TIME_ZONE the
portal shows times in and whatever the machine's zone: the web processes, the workers, the scheduler and nginx
then write one clock (deploy/README.md, "Logs")."""

import datetime
import logging


class UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):
        return datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds")
