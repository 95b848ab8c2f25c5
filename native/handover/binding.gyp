{
  "targets": [
    {
      "target_name": "handover",
      "sources": ["handover.c"]
    }
  ]
}
