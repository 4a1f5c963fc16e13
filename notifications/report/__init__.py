"""The results report as documents people read: HTML printable to A4 with inline SVG charts
(matplotlib's SVG backend), the XLSX workbook (openpyxl), the markdown summary. matplotlib and
openpyxl are imported by the function that needs them, never at a command's start."""
