"""The live monitor of a campaign: figures as plain functions, a page that refreshes itself."""
