{
  "targets": [
    {
      "target_name": "weft_io",
      "sources": ["native/weft_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
