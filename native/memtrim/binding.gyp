{
  "targets": [
    {
      "target_name": "memtrim",
      "sources": ["memtrim.c"]
    }
  ]
}
