"""The desk's rules, apart from any screen: who may see and change what, revisions."""
