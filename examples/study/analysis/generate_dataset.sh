#!/bin/sh
# Writes a synthetic patient-level dataset (highly sensitive: it has a patient_id column).
set -eu
mkdir -p output
{
  echo "patient_id,sex,age"
  i=1
  while [ "$i" -le 100 ]; do
    if [ $((i % 2)) -eq 0 ]; then sex=F; else sex=M; fi
    echo "$i,$sex,$((18 + (i * 7) % 70))"
    i=$((i + 1))
  done
} > output/dataset.csv
echo "generated $(($(wc -l < output/dataset.csv) - 1)) patients"
