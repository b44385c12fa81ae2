"""The triple store: the interface (interface), the one owner of the metadata graph (metadata), the
embedded and remote backends (oxigraph, remote, backends) and who may see what (access).
"""
