#!/bin/sh
# Aggregates the dataset produced by generate_dataset into counts by sex (moderately sensitive:
# no patient_id column, few rows), plus a short text report.
set -eu
mkdir -p output
awk -F, 'NR > 1 { n[$2]++; total += $3 } END {
  print "sex,count"
  for (s in n) print s "," n[s]
}' output/dataset.csv | { read -r header; echo "$header"; sort; } > output/summary_by_sex.csv
patients=$(($(wc -l < output/dataset.csv) - 1))
echo "Summary of $patients patients written to output/summary_by_sex.csv" > output/report.txt
cat output/report.txt
