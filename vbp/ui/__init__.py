"""The pieces every area's pages are built from, below the areas: typed input, pages guarded by permission and
scope, declared lists with their exports. Areas import this package; it imports no area."""
