"""The composition root: one CTI node built from settings (:mod:`node.root`), the settings of every
part composed into one (:mod:`node.settings`), and how logs are written (:mod:`node.logs`)."""
