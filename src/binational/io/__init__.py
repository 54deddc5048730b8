"""Readers, one per source family; each parses files into a typed frame and knows no regions.

:mod:`~binational.io.us_census` (TIGER tracts, ACS), :mod:`~binational.io.mx_census` (INEGI
AGEBs, RESAGEBURB, ITER; CONAPO IMU), :mod:`~binational.io.ports` (the ports-of-entry registry),
:mod:`~binational.io.bts` (BTS and bridge crossing volumes), :mod:`~binational.io.waits` (wait
times in four source shapes, and wait profiles), :mod:`~binational.io.lanes` (lanes per port),
:mod:`~binational.io.survey` (SANDAG's border-crossing survey), :mod:`~binational.io.roads`
(road networks). The unit table is built from them in :mod:`binational.harmonise` and
:mod:`binational.units`.
"""
