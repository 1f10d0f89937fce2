"""Election pages, one module per part of the procedure (thin: parse → selector/service → render)."""
