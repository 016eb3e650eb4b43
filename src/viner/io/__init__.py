"""File plumbing shared by every stage.

- :mod:`.inputs`: finding input files, decoding text (BOM, CRLF, bad bytes named by line);
- :mod:`.json_lines`: reading JSONL line by line;
- :mod:`.targets`: checking outputs before writing (file or folder, refusing to replace annotations);
- :mod:`.atomic`: atomic writes (a temporary sibling replaces the target when complete);
- :mod:`.pids`: whether the process that wrote a file still runs.
"""

from .atomic import atomic_path, remove_stale_temps, temp_prefix, write_json, write_line_shards, write_lines, write_text
from .inputs import BOM, check_encoding, decode, find_files, iter_lines, os_reason, read_text
from .json_lines import NotJSON, iter_json_lines
from .pids import pid_alive
from .targets import file_target, folder_target, refuse_overwrite, refuse_replacing_spans

__all__ = [
    "BOM",
    "NotJSON",
    "atomic_path",
    "check_encoding",
    "decode",
    "file_target",
    "find_files",
    "folder_target",
    "iter_json_lines",
    "iter_lines",
    "os_reason",
    "pid_alive",
    "read_text",
    "refuse_overwrite",
    "refuse_replacing_spans",
    "remove_stale_temps",
    "temp_prefix",
    "write_json",
    "write_line_shards",
    "write_lines",
    "write_text",
]
