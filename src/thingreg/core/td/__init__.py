"""W3C WoT Thing Descriptions: syntactic validation, registration information and patching."""
