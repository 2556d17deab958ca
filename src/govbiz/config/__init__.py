"""County configuration files (区县配置文件): a county configured without writing Python.

`read_county_file` validates a TOML file into a `CountyFile`;
`govbiz.config.apply.apply_county_file` registers what it describes and
keeps it in the ledger, whose profiles (`govbiz.open`) then lay it over the
plugins' (`govbiz.profile.ProfileLayer.FILE`);
`govbiz.config.check.check_county_file` checks its templates and channels
without sending anything.
"""

from __future__ import annotations

from govbiz.config.file import ConfigFileError, CountyFile, parse_county_file, read_county_file

__all__ = ["ConfigFileError", "CountyFile", "parse_county_file", "read_county_file"]
