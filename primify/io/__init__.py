"""Files in and out: reading pictures, scene files, output formats and animations."""
