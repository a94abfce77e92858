{
  "targets": [
    {
      "target_name": "stat_names",
      "sources": ["stat_names.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
